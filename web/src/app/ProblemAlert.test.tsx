import { render, screen } from "@testing-library/react";
import { Providers } from "../test/providers";
import { ProblemAlert as FromAuth } from "../auth/ProblemAlert";
import { ProblemAlert as FromContractPage } from "../features/contract-page/ProblemAlert";
import { ProblemAlert } from "./ProblemAlert";

it("is one component, whichever path imports it", () => {
  expect(FromAuth).toBe(ProblemAlert);
  expect(FromContractPage).toBe(ProblemAlert);
});

it("says nothing without an error, and announces one in plain words", () => {
  const { container } = render(<Providers><ProblemAlert error={null} /></Providers>);
  expect(container.querySelector("[role=alert]")).toBeNull();
  render(<Providers><ProblemAlert error={new TypeError("Failed to fetch")} /></Providers>);
  expect(screen.getByRole("alert")).toBeInTheDocument();
});
