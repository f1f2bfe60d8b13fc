import { CmsProblem } from "@cms/sdk";
import { nextPoll, type TrainingJob } from "./queries";

const open = (job: TrainingJob | undefined) => !job || job.status === "pending" || job.status === "running";
const problem = (status: number) => new CmsProblem(status, { type: "about:blank", title: "No", status, code: "not_found", detail: "no training job", errors: null });

describe("a training job's polling", () => {
  it("goes on while the job is not read yet or open, backing off after failures", () => {
    expect(nextPoll(open, { error: null, fetchFailureCount: 0 }, true)).toBe(3_000);
    expect(nextPoll(open, { error: new TypeError("Failed to fetch"), fetchFailureCount: 2 }, true)).toBe(12_000);
    expect(nextPoll(open, { error: problem(503), fetchFailureCount: 1 }, true)).toBe(6_000);
    expect(nextPoll(open, { error: null, fetchFailureCount: 0 }, false)).toBe(false);
  });

  it("stops for good on a job that does not exist or is not the caller's", () => {
    expect(nextPoll(open, { error: problem(404), fetchFailureCount: 1 }, true)).toBe(false);
    expect(nextPoll(open, { error: problem(403), fetchFailureCount: 1 }, true)).toBe(false);
  });
});
