// Drives the seed TypeScript client, unchanged, against a running API. Prints one JSON line.
import { ethers } from 'ethers';
import ContractClient from './ContractClient';

async function main(): Promise<void> {
  const baseUrl = process.argv[2];
  const provider = ethers.Wallet.createRandom();
  const consumer = ethers.Wallet.createRandom();
  const client = new ContractClient(baseUrl);
  const did = `did:ethr:${provider.address}`;
  const registered = await client.registerDid(did, provider.address);
  await client.authenticate(did, provider.privateKey);
  const now = Date.now();
  const created = await client.createContract({
    title: 'Seed TypeScript client contract',
    description: 'Created by the unchanged seed client',
    consumer_did: `did:pkh:eip155:1:${consumer.address}`,
    terms: 'Payment net 30; EU data residency',
    valid_from: new Date(now).toISOString(),
    valid_until: new Date(now + 86400000).toISOString(),
  });
  const fetched = await client.getContract(created.id);
  const events = await client.getContractEvents(created.id);
  const report = await client.verifyContract(created.id);
  console.log(JSON.stringify({ did, registered, created, fetched, events, report }));
}

main().catch((error) => {
  console.error(error?.response?.data ?? error);
  process.exit(1);
});
