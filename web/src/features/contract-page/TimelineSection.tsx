import { Code, Loader, Stack, Text, Timeline, VisuallyHidden } from "@mantine/core";
import { useState } from "react";
import { StateBadge } from "./StateBadge";
import { ANCHOR_WORDS, eventDetail, eventInWords, timelineNews } from "./eventWords";
import { formatInstant } from "./model";
import classes from "./contractPage.module.css";
import { ProblemAlert } from "./ProblemAlert";
import { useContractEvents, type PlacedEvent } from "./queries";
import { Section } from "./Section";

const ANCHOR_COLORS = { pending: "gray", batched: "yellow", anchored: "green", unknown: "gray" } as const;

/** Every audit event and its anchoring, live while the tab is visible; news is announced
 * politely (new events, events anchored). */
export function TimelineSection({ contractId }: { contractId: string }) {
  const events = useContractEvents(contractId);
  const announcement = useAnnouncement(events.data?.events);
  return (
    <Section title="Timeline">
      <VisuallyHidden aria-live="polite" aria-atomic="true">{announcement}</VisuallyHidden>
      {events.isPending && <Loader size="sm" aria-label="Loading the timeline" />}
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
      <Text size="xs" className={classes.muted}>{formatInstant(event.at)} by <Code>{event.actor}</Code></Text>
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
      <Text size="xs" className={classes.muted}>Event hash <Code>{event.hash}</Code></Text>
    </Stack>
  );
}

function useAnnouncement(events: PlacedEvent[] | undefined): string {
  // Compared during render with the last reading (React's pattern for "what changed since"):
  // the first reading is the page itself, not news.
  const [seen, setSeen] = useState(events);
  const [message, setMessage] = useState("");
  if (events !== seen) {
    const news = events && seen ? timelineNews(seen, events) : null;
    if (news) setMessage(news);
    setSeen(events);
  }
  return message;
}
