import { Code, Loader, Stack, Text, Timeline, VisuallyHidden } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { StateBadge } from "./StateBadge";
import { ANCHOR_WORDS, eventDetail, eventInWords, timelineNews } from "./eventWords";
import { formatInstant } from "../../contracts/lifecycle";
import classes from "./contractPage.module.css";
import { ProblemAlert } from "../../app/ProblemAlert";
import { contractKeys, useContractEvents, useReader, type PlacedEvent } from "./queries";
import { Section } from "./Section";

const ANCHOR_COLORS = { pending: "gray", batched: "yellow", anchored: "green", unknown: "gray" } as const;

/** Every audit event and its anchoring, live while the tab is visible; news is announced
 * politely (new events, events anchored). */
export function TimelineSection({ contractId }: { contractId: string }) {
  const events = useContractEvents(contractId);
  const announcements = useAnnouncements(events.data?.events);
  useContractFollowsTimeline(contractId, events.data?.events.at(-1)?.seq);
  return (
    <Section title="Timeline">
      <VisuallyHidden role="log" aria-live="polite" aria-label="Timeline updates">
        {announcements.map((news) => <p key={news.id}>{news.text}</p>)}
      </VisuallyHidden>
      {events.isPending && <Loader size="sm" role="status" aria-label="Loading the timeline" />}
      {events.isError && !events.data && <ProblemAlert error={events.error} />}
      {events.isError && events.data && <Text size="sm" c="orange">The timeline could not be refreshed; trying again shortly.</Text>}
      {events.data && (
        <Timeline bulletSize={14} lineWidth={2} active={events.data.events.length - 1}>
          {events.data.events.map((event) => (
            <Timeline.Item key={event.seq} title={`${event.seq + 1}. ${eventInWords(event)}`}>
              <EventBody event={event} />
            </Timeline.Item>
          ))}
        </Timeline>
      )}
    </Section>
  );
}

function EventBody({ event }: { event: PlacedEvent }) {
  const detail = eventDetail(event);
  const anchor = event.anchor;
  return (
    <Stack gap={2} className={classes.wrap}>
      <Text size="xs" c="dimmed">{formatInstant(event.at)} by <Code>{event.actor}</Code></Text>
      {detail && <Text size="sm">{detail}</Text>}
      <div>
        <StateBadge size="sm" color={ANCHOR_COLORS[anchor.state]} data-anchor-state={anchor.state}>
          {ANCHOR_WORDS[anchor.state]}
        </StateBadge>
      </div>
      {anchor.state === "anchored" && (
        <Text size="xs">
          Block {anchor.block_number ?? "?"}, transaction <Code>{anchor.tx_hash}</Code>, Merkle root <Code>{anchor.root}</Code>
        </Text>
      )}
      {anchor.state === "batched" && anchor.tx_hash && <Text size="xs">Transaction <Code>{anchor.tx_hash}</Code></Text>}
      <Text size="xs" c="dimmed">Event hash <Code>{event.hash}</Code></Text>
    </Stack>
  );
}

function useAnnouncements(events: PlacedEvent[] | undefined): { id: number; text: string }[] {
  // Compared during render with the last reading (React's pattern for "what changed since"):
  // the first reading is the page itself, not news. A log: each piece of news is added, and
  // screen readers read what was added.
  const [seen, setSeen] = useState(events);
  const [log, setLog] = useState<{ id: number; text: string }[]>([]);
  if (events !== seen) {
    const news = events && seen ? timelineNews(seen, events) : null;
    if (news) setLog((current) => [...current.slice(-(KEEP - 1)), { id: (current.at(-1)?.id ?? 0) + 1, text: news }]);
    setSeen(events);
  }
  return log;
}

const KEEP = 10;

/** A new event means the contract changed (the other party signed, terminated...): read it
 * again, so the status and the actions follow the timeline without a reload. */
function useContractFollowsTimeline(contractId: string, lastSeq: number | undefined): void {
  const queryClient = useQueryClient();
  const reader = useReader();
  const known = useRef(lastSeq);
  useEffect(() => {
    if (lastSeq === undefined) return;
    if (known.current !== undefined && known.current !== lastSeq) {
      void queryClient.invalidateQueries({ queryKey: contractKeys.one(reader, contractId), exact: true });
    }
    known.current = lastSeq;
  }, [contractId, lastSeq, queryClient, reader]);
}
