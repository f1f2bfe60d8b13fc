import { render, screen } from "@testing-library/react";
import { Providers, answering } from "../../test/providers";
import { JobsScreen } from "./JobsScreen";

afterEach(() => { vi.unstubAllGlobals(); });

it("does not say there are no jobs when a filtered page is empty but the listing goes on", async () => {
  vi.stubGlobal("fetch", answering({ "/api/v1/training-jobs": { items: [], next_cursor: "2026-12-07T06:00:00.000Z_0123456789abcdef0123456789abcdef" } }));
  render(<Providers path="/training?status=failed"><JobsScreen /></Providers>);
  expect(await screen.findByText(/None among the jobs read so far/)).toBeInTheDocument();
  expect(screen.queryByText("No training jobs.")).toBeNull();
  expect(screen.getByRole("button", { name: "Show more" })).toBeInTheDocument();
});
