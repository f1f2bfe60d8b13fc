// Compiles ReferenceToken.sol with the solc pinned in package.json, resolving @openzeppelin
// imports from node_modules, into ReferenceToken.json beside it (`--stdout` prints instead;
// the differential test compares the two so the committed artifact cannot drift).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCE = 'ReferenceToken.sol';
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
};

function findImports(importPath) {
  const file = path.join(ROOT, 'node_modules', importPath);
  if (!file.startsWith(path.join(ROOT, 'node_modules') + path.sep) || !fs.existsSync(file)) {
    return { error: 'not found: ' + importPath };
  }
  return { contents: fs.readFileSync(file, 'utf8') };
}

function compile() {
  const content = fs.readFileSync(path.join(__dirname, SOURCE), 'utf8');
  const input = { language: 'Solidity', sources: { [SOURCE]: { content } }, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  }
  const compiled = output.contracts[SOURCE].ReferenceToken;
  const openzeppelin = require(path.join(ROOT, 'node_modules', '@openzeppelin', 'contracts', 'package.json'));
  return {
    contractName: 'ReferenceToken',
    sourceName: SOURCE,
    sourceSha256: crypto.createHash('sha256').update(content).digest('hex'),
    compiler: { name: 'solc-js', version: solc.version(), settings: SETTINGS },
    openzeppelin: openzeppelin.version,
    abi: compiled.abi,
    bytecode: '0x' + compiled.evm.bytecode.object,
  };
}

const artifact = JSON.stringify(compile(), null, 2) + '\n';
if (process.argv.includes('--stdout')) {
  process.stdout.write(artifact);
} else {
  fs.writeFileSync(path.join(__dirname, 'ReferenceToken.json'), artifact);
}
