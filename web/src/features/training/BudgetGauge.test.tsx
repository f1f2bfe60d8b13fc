import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import { BudgetGauge } from "./BudgetGauge";
import type { PrivacyBudget } from "./queries";

const BUDGET: PrivacyBudget = {
  contract_id: "7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10", epsilon_total: "3.000000000",
  epsilon_spent: "0.100000000", epsilon_reserved: "0.200000000", epsilon_available: "2.700000000",
  delta: 1e-6, accountant: "prv", jobs: [],
};

describe("the privacy budget gauge", () => {
  it("gives every part as the exact decimal the API sent, in text", () => {
    render(<MantineProvider><BudgetGauge budget={BUDGET} /></MantineProvider>);
    const figures = screen.getByRole("list", { name: "Privacy budget in exact figures" });
    expect(figures).toHaveTextContent("Spent:0.100000000");
    expect(figures).toHaveTextContent("Reserved by running jobs:0.200000000");
    expect(figures).toHaveTextContent("Left:2.700000000");
    expect(figures).toHaveTextContent("Total: 3.000000000");
    expect(screen.getByTestId("budget-left")).toHaveTextContent("2.7");
  });

  it("says so instead of drawing a budget that is not a decimal", () => {
    render(<MantineProvider><BudgetGauge budget={{ ...BUDGET, epsilon_spent: "1e3" }} /></MantineProvider>);
    expect(screen.getByRole("alert")).toHaveTextContent("not a valid decimal");
  });
});
