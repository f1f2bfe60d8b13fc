import { formatEther } from "viem";

const WEI = /^[0-9]{1,78}$/;

/** Whether a server's wei amount is what the API promises (a decimal string up to uint256);
 * anything else is not turned into a number. */
export function isWei(value: string): boolean {
  return WEI.test(value);
}

/** Wei as ETH, exact (viem divides as integers, every digit kept), the whole part grouped. */
export function etherText(wei: string): string {
  const [whole = "0", fraction] = formatEther(BigInt(wei)).split(".");
  const grouped = BigInt(whole).toLocaleString("en-US");
  return fraction ? `${grouped}.${fraction}` : grouped;
}

/** Wei grouped in thousands, exact (BigInt, never a float). */
export function weiText(wei: string): string {
  return BigInt(wei).toLocaleString("en-US");
}

/** The signer's balance is below the one the health check wants (null: unknown). */
export function isLowBalance(balanceWei: string | null, minimumWei: string | null): boolean | null {
  if (balanceWei === null || minimumWei === null || !isWei(balanceWei) || !isWei(minimumWei)) return null;
  return BigInt(balanceWei) < BigInt(minimumWei);
}
