import { Code, Loader, Tabs, Text } from "@mantine/core";
import { lazy, Suspense } from "react";
import { Notice } from "../../app/Notice";
import type { Contract } from "../../contracts/lifecycle";
import { documentHash, type DocumentFormat } from "./model";
import classes from "./contractPage.module.css";
import { ProblemAlert } from "../../app/ProblemAlert";
import { Section } from "./Section";
import { useVerifiedDocument } from "./useVerifiedDocument";

// pdf.js is large: its chunk (and worker) load only when a PDF is shown.
const PdfViewer = lazy(() => import("./PdfViewer"));

const FORMATS: { format: DocumentFormat; label: string }[] = [
  { format: "html", label: "Document (HTML)" },
  { format: "pdf", label: "Document (PDF)" },
];

export function DocumentSection({ contract }: { contract: Contract }) {
  const formats = FORMATS.filter(({ format }) => documentHash(contract, format) !== null);
  const first = formats[0];
  return (
    <Section title="Document">
      {first ? (
        <Tabs defaultValue={first.format} keepMounted={false}>
          <Tabs.List>
            {formats.map(({ format, label }) => <Tabs.Tab key={format} value={format}>{label}</Tabs.Tab>)}
          </Tabs.List>
          {formats.map(({ format }) => (
            <Tabs.Panel key={format} value={format} pt="sm">
              <VerifiedDocumentView contract={contract} format={format} />
            </Tabs.Panel>
          ))}
        </Tabs>
      ) : (
        <Text c="dimmed">This contract was written as free-form terms: it has no rendered document. Its terms are below.</Text>
      )}
    </Section>
  );
}

function VerifiedDocumentView({ contract, format }: { contract: Contract; format: DocumentFormat }) {
  const verified = useVerifiedDocument(contract, format);
  if (verified.isPending) return <Loader size="sm" role="status" aria-label="Loading the document" />;
  if (verified.isError) return <ProblemAlert error={verified.error} />;
  return (
    <>
      <Notice color="green" variant="light" mb="sm">
        <Text size="sm" className={classes.wrap}>
          Its SHA-256 <Code>{verified.data.sha256}</Code> matches the contract&apos;s record, which the digest covers.
        </Text>
      </Notice>
      {format === "html"
        ? <HtmlDocument bytes={verified.data.bytes} title={contract.title} />
        : (
          <Suspense fallback={<Loader size="sm" role="status" aria-label="Loading the PDF viewer" />}>
            <PdfViewer data={verified.data.bytes} title={contract.title} />
          </Suspense>
        )}
    </>
  );
}

/** Server HTML never enters the page: it is shown in a sandbox with no scripts, no forms, no
 * same-origin access (an empty sandbox attribute), under the page's CSP (no outside images). */
function HtmlDocument({ bytes, title }: { bytes: ArrayBuffer; title: string }) {
  const html = new TextDecoder("utf-8").decode(bytes);
  return <iframe sandbox="" srcDoc={html} title={`${title}: the document`} className={classes.documentFrame} />;
}
