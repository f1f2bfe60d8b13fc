// Compiles the Solidity sources with the solc pinned in package.json into committed artifacts
// (ABI + bytecode), so Lambdas never need a compiler. `node contracts/compile.js` writes
// contracts/artifacts/<Name>.json; `--stdout` prints instead (the tests compare the two).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const SOURCES = ['ContractLedger.sol'];
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

function compile() {
  const sources = {};
  for (const name of SOURCES) {
    sources[name] = { content: fs.readFileSync(path.join(__dirname, name), 'utf8') };
  }
  const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings: SETTINGS })));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  }
  const artifacts = {};
  for (const [sourceName, contracts] of Object.entries(output.contracts)) {
    for (const [contractName, compiled] of Object.entries(contracts)) {
      artifacts[contractName] = {
        contractName,
        sourceName,
        sourceSha256: crypto.createHash('sha256').update(sources[sourceName].content).digest('hex'),
        compiler: { name: 'solc-js', version: solc.version(), settings: SETTINGS },
        abi: compiled.abi,
        bytecode: '0x' + compiled.evm.bytecode.object,
        deployedBytecode: '0x' + compiled.evm.deployedBytecode.object,
      };
    }
  }
  return artifacts;
}

const artifacts = compile();
if (process.argv.includes('--stdout')) {
  process.stdout.write(JSON.stringify(artifacts, null, 2) + '\n');
} else {
  const directory = path.join(__dirname, 'artifacts');
  fs.mkdirSync(directory, { recursive: true });
  for (const [name, artifact] of Object.entries(artifacts)) {
    fs.writeFileSync(path.join(directory, name + '.json'), JSON.stringify(artifact, null, 2) + '\n');
  }
}
