import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { Providers } from "../../test/providers";
import { sessionStore } from "../../auth/sessionStore";
import { PROVIDER, reviewContract } from "./testContract";
import { useAttachmentUpload } from "./useAttachmentUpload";

// The storage's presigned form is not this test's subject.
vi.mock("./uploadFile", () => ({
  postToPresignedForm: (_form: unknown, _file: Blob, _name: string, onProgress: (fraction: number) => void) => {
    onProgress(1);
    return Promise.resolve();
  },
}));

const ATTACHMENT = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const SHA256 = "62ddb7dd3bff5d5a0bf4b6b16f29c3a8cf5c6e9a44c40bc1bf51bbbbda6e0a9f";

/** The API as it behaves: the attachment's record is 404 until the platform registers the
 * upload, which it does after the contract was read twice; every answer is kept. */
function platform() {
  const draft = reviewContract({ status: "draft" });
  const registered = { ...draft, metadata: { attachments: [{ id: ATTACHMENT, name: "annex.txt", media_type: "text/plain",
    size: 5, sha256: SHA256, uploaded_by: PROVIDER, added_at: "2026-12-07T06:00:00.000Z" }] } };
  const answers: { path: string; status: number }[] = [];
  let contractReads = 0;
  vi.stubGlobal("fetch", vi.fn((input: RequestInfo | URL) => {
    const request = new Request(input);
    const path = new URL(request.url).pathname;
    let response: Response;
    if (request.method === "POST" && path.endsWith("/attachments")) {
      response = Response.json({ attachment_id: ATTACHMENT, upload: { url: "https://storage.test/", fields: {} },
        expires_in: 300, max_bytes: 5, media_type: "text/plain" }, { status: 201 });
    } else if (path.endsWith(`/attachments/${ATTACHMENT}`)) {
      response = contractReads > 2 ? Response.json({ id: ATTACHMENT, sha256: SHA256 })
        : Response.json({ type: "about:blank", title: "Not found", status: 404, code: "not_found" }, { status: 404 });
    } else {
      contractReads += 1;
      response = Response.json(contractReads > 2 ? registered : draft, { headers: { ETag: `"v${String(contractReads)}"` } });
    }
    answers.push({ path, status: response.status });
    return Promise.resolve(response);
  }));
  return answers;
}

beforeEach(() => { sessionStore.set({ did: PROVIDER, token: "t", expiresAt: "2099-01-01T00:00:00.000Z", keyKind: "ethereum" }); });
afterEach(() => { vi.unstubAllGlobals(); sessionStore.clear(); });

it("waits for the registration without asking for a record that does not exist yet (no 404s)", async () => {
  const answers = platform();
  const wrapper = ({ children }: { children: ReactNode }) => <Providers>{children}</Providers>;
  const { result } = renderHook(() => useAttachmentUpload(reviewContract().id), { wrapper });
  // jsdom's File cannot read itself as bytes; browsers' can.
  const file = Object.assign(new File(["annex"], "annex.txt", { type: "text/plain" }),
    { arrayBuffer: () => Promise.resolve(new TextEncoder().encode("annex").buffer) });
  await act(() => result.current.upload(file, "text/plain"));
  await waitFor(() => { expect(result.current.state).toMatchObject({ phase: "done" }); });
  expect(result.current.state).toMatchObject({ phase: "done", serverSha256: SHA256 });
  expect(answers.filter((answer) => answer.status >= 400)).toEqual([]);
});
