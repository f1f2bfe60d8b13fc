import { render, screen } from "@testing-library/react";
import { Providers } from "../test/providers";
import { ProblemAlert } from "./ProblemAlert";

it("says nothing without an error, and announces one in plain words", () => {
  const { container } = render(<Providers><ProblemAlert error={null} /></Providers>);
  expect(container.querySelector("[role=alert]")).toBeNull();
  render(<Providers><ProblemAlert error={new TypeError("Failed to fetch")} /></Providers>);
  expect(screen.getByRole("alert")).toBeInTheDocument();
});
