import { describe, expect, it } from "vitest";
import { budgetParts, epsilonText, parseEpsilon, shares, shortEpsilon } from "./epsilon";
import { allowanceOf, jobErrors, type TrainingAllowance } from "./jobRules";

const allowance: TrainingAllowance = { models: ["mnist_cnn"], maxEpochs: 20, datasets: ["mnist-train"], images: [] };

describe("exact epsilon", () => {
  it("reads the API's nine places and plain decimals exactly", () => {
    expect(parseEpsilon("1.250000000")).toBe(1_250_000_000n);
    expect(parseEpsilon("0.3")).toBe(300_000_000n);
    expect(parseEpsilon("3")).toBe(3_000_000_000n);
    expect(parseEpsilon(" 0.5 ")).toBe(500_000_000n);
  });

  it("sums where floats do not: 0.1 + 0.2 is exactly 0.3", () => {
    expect(0.1 + 0.2 === 0.3).toBe(false);
    const sum = (parseEpsilon("0.1") ?? 0n) + (parseEpsilon("0.2") ?? 0n);
    expect(sum).toBe(parseEpsilon("0.3"));
  });

  it("rounds beyond nine places up, as the server reserves", () => {
    expect(parseEpsilon("0.0000000001")).toBe(1n);
    expect(parseEpsilon("1.0000000000")).toBe(1_000_000_000n);
  });

  it("refuses what is not a plain decimal", () => {
    for (const text of ["", "-1", "1e3", "NaN", "Infinity", "1.", ".5", "1,5", "0x10", "1000"]) {
      expect(parseEpsilon(text)).toBeNull();
    }
  });

  it("writes values back as the API does and shortly for sentences", () => {
    expect(epsilonText(1_250_000_000n)).toBe("1.250000000");
    expect(epsilonText(1n)).toBe("0.000000001");
    expect(shortEpsilon(1_250_000_000n)).toBe("1.25");
    expect(shortEpsilon(3_000_000_000n)).toBe("3");
  });

  it("splits a budget into shares of its total", () => {
    const parts = budgetParts({ epsilon_total: "3.000000000", epsilon_spent: "0.750000000",
      epsilon_reserved: "1.500000000", epsilon_available: "0.750000000" });
    expect(parts).not.toBeNull();
    if (parts) expect(shares(parts)).toEqual({ spent: 25, reserved: 50, available: 25 });
    expect(budgetParts({ epsilon_total: "x", epsilon_spent: "0", epsilon_reserved: "0", epsilon_available: "0" })).toBeNull();
  });
});

describe("the job form's rules", () => {
  const left = parseEpsilon("0.300000000") ?? 0n;

  it("allows exactly what is left, to the last billionth", () => {
    expect(jobErrors({ model: "mnist_cnn", epochs: 1, epsilon: "0.3" }, allowance, left)).toEqual({});
    expect(jobErrors({ model: "mnist_cnn", epochs: 1, epsilon: "0.300000001" }, allowance, left).epsilon)
      .toBe("Only 0.3 is left of the contract's privacy budget (spent and reserved by running jobs); 0.300000001 is more.");
  });

  it("says why an epsilon is refused", () => {
    expect(jobErrors({ model: "mnist_cnn", epochs: 1, epsilon: "0" }, allowance, left).epsilon).toBe("Epsilon must be more than 0.");
    expect(jobErrors({ model: "mnist_cnn", epochs: 1, epsilon: "abc" }, allowance, left).epsilon).toMatch(/plain decimal/);
    expect(jobErrors({ model: "mnist_cnn", epochs: 1, epsilon: "0.1" }, allowance, 0n).epsilon)
      .toBe("Nothing is left of the contract's privacy budget.");
  });

  it("keeps epochs and the model within the contract", () => {
    const errors = jobErrors({ model: "resnet", epochs: 21, epsilon: "0.1" }, allowance, left);
    expect(errors.model).toMatch(/models the contract allows/);
    expect(errors.epochs).toBe("Epochs must be a whole number from 1 to 20 (the contract's maximum).");
    expect(jobErrors({ model: "mnist_cnn", epochs: "", epsilon: "0.1" }, allowance, left).epochs).toBeDefined();
  });

  it("reads the allowance from an AI-training contract's terms only", () => {
    expect(allowanceOf({ privacy_budget: { epsilon: 3 }, model_architectures: ["mnist_cnn"], max_epochs: 20,
      datasets: [{ id: "mnist-train" }], enclave_measurements: [{ pcr0: "ab", description: "trainer" }] }))
      .toEqual({ models: ["mnist_cnn"], maxEpochs: 20, datasets: ["mnist-train"], images: [{ pcr0: "ab", description: "trainer" }] });
    expect(allowanceOf({ purpose: "sharing" })).toBeNull();
    expect(allowanceOf("terms")).toBeNull();
  });
});
