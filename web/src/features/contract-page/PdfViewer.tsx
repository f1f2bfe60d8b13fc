import { ActionIcon, Group, NumberInput, Text, VisuallyHidden } from "@mantine/core";
import { getDocument, GlobalWorkerOptions, type PDFDocumentProxy } from "pdfjs-dist";
import workerUrl from "pdfjs-dist/build/pdf.worker.min.mjs?url";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { Notice } from "../../app/Notice";
import classes from "./contractPage.module.css";

// The worker is a file of this origin (the CSP admits scripts and workers from 'self' only).
GlobalWorkerOptions.workerSrc = workerUrl;

const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

/** A PDF, one page at a time: buttons and keys (Page Up/Down, Home/End, + and -) to move and
 * zoom; each page's text is also given to screen readers. */
export default function PdfViewer({ data, title }: { data: ArrayBuffer; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pdf = usePdf(data);
  const [page, setPage] = useState(1);
  const [zoom, setZoom] = useState(2);
  const pages = pdf.document?.numPages ?? 0;
  const text = usePageRendering(pdf.document, page, ZOOMS[zoom] ?? 1, canvas);
  if (pdf.error) return <Notice color="red" role="alert" title="The PDF cannot be shown">{pdf.error}</Notice>;

  const goTo = (next: number) => { setPage(Math.min(Math.max(next, 1), Math.max(pages, 1))); };
  const zoomBy = (step: number) => { setZoom((current) => Math.min(Math.max(current + step, 0), ZOOMS.length - 1)); };
  const onKeyDown = (event: KeyboardEvent) => {
    const moves: Record<string, () => void> = {
      PageDown: () => { goTo(page + 1); }, PageUp: () => { goTo(page - 1); },
      Home: () => { goTo(1); }, End: () => { goTo(pages); },
      "+": () => { zoomBy(1); }, "=": () => { zoomBy(1); }, "-": () => { zoomBy(-1); },
    };
    const move = moves[event.key];
    if (move) { event.preventDefault(); move(); }
  };
  return (
    <div>
      <Group gap="xs" mb="xs" wrap="wrap" role="toolbar" aria-label="PDF pages and zoom">
        <ActionIcon variant="default" aria-label="Previous page" disabled={page <= 1} onClick={() => { goTo(page - 1); }}>‹</ActionIcon>
        <NumberInput label="Page" w={110} size="xs" min={1} max={Math.max(pages, 1)} value={page}
          onChange={(value) => { if (typeof value === "number") goTo(value); }}
          rightSection={<Text size="xs" c="dimmed" pr={6}>/ {pages}</Text>} rightSectionWidth={44} />
        <ActionIcon variant="default" aria-label="Next page" disabled={page >= pages} onClick={() => { goTo(page + 1); }}>›</ActionIcon>
        <ActionIcon variant="default" aria-label="Zoom out" disabled={zoom <= 0} onClick={() => { zoomBy(-1); }}>−</ActionIcon>
        <Text size="sm" aria-live="polite">{Math.round((ZOOMS[zoom] ?? 1) * 100)}%</Text>
        <ActionIcon variant="default" aria-label="Zoom in" disabled={zoom >= ZOOMS.length - 1} onClick={() => { zoomBy(1); }}>+</ActionIcon>
      </Group>
      <div className={classes.pdfViewport} tabIndex={0} onKeyDown={onKeyDown} role="region"
        aria-label={`${title}: PDF page ${page} of ${pages}. Page Up and Page Down change page; plus and minus zoom.`}>
        <canvas ref={canvas} aria-hidden="true" />
        <VisuallyHidden>{text}</VisuallyHidden>
      </div>
    </div>
  );
}

function usePdf(data: ArrayBuffer) {
  const [document, setDocument] = useState<PDFDocumentProxy | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // pdf.js hands the bytes to its worker: give it a copy, the query cache keeps the original.
    // isEvalSupported false: the CSP forbids eval, and a document's fonts need none.
    const task = getDocument({ data: new Uint8Array(data.slice(0)), isEvalSupported: false });
    task.promise.then(setDocument, (reason: unknown) => { setError(String(reason)); });
    return () => { void task.destroy(); };
  }, [data]);
  return { document, error };
}

function usePageRendering(document: PDFDocumentProxy | null, pageNumber: number, scale: number,
  canvasRef: React.RefObject<HTMLCanvasElement | null>): string {
  const [text, setText] = useState("");
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!document || !canvas) return;
    const stop = new AbortController();
    const current = () => !stop.signal.aborted;
    let cancelRender = () => undefined as unknown;
    void document.getPage(pageNumber).then(async (page) => {
      if (!current()) return;
      const ratio = Math.max(window.devicePixelRatio, 1);
      const viewport = page.getViewport({ scale: scale * ratio });
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
      canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
      const render = page.render({ canvas, viewport });
      cancelRender = () => { render.cancel(); };
      const content = await page.getTextContent();
      if (current()) setText(content.items.map((item) => ("str" in item ? item.str : "")).join(" "));
      await render.promise.catch(() => undefined);
    });
    return () => { stop.abort(); cancelRender(); };
  }, [document, pageNumber, scale, canvasRef]);
  return text;
}
