// A test wallet: an EIP-1193 provider announced over EIP-6963, as MetaMask or Rabby would be.
// The key stays in the test process; signing goes through the exposed __cmsTestWallet binding.
// It reports no accounts until the page asks to connect, or wagmi would connect by itself.
(() => {
  const info = {
    uuid: "6f1c7a8e-3c9b-4d7e-9a51-2f0b8c4d1e23",
    name: "Test Wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 8 8'%3E%3Crect width='8' height='8' fill='%23f59f00'/%3E%3C/svg%3E",
    rdns: "dev.cms.testwallet",
  };
  const listeners = new Map();
  let connected = false;
  const emit = (event, value) => (listeners.get(event) || []).forEach((fn) => fn(value));
  const provider = {
    isTestWallet: true,
    async request({ method, params }) {
      const reply = await window.__cmsTestWallet(method, params || [], connected);
      if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
      if (method === "eth_requestAccounts") {
        connected = true;
        emit("connect", { chainId: reply.chainId });
        emit("accountsChanged", reply.result);
      }
      if (method === "wallet_revokePermissions") { connected = false; emit("accountsChanged", []); }
      return reply.result;
    },
    on(event, fn) { listeners.set(event, [...(listeners.get(event) || []), fn]); return provider; },
    removeListener(event, fn) {
      listeners.set(event, (listeners.get(event) || []).filter((f) => f !== fn));
      return provider;
    },
  };
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", {
    detail: Object.freeze({ info, provider }),
  }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
