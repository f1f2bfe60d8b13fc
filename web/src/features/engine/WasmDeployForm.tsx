import { Button, FileInput, Group, Stack, Textarea, TextInput } from "@mantine/core";
import { useState, type SubmitEvent } from "react";
import { draftKey, useStoredDraft } from "../contract-form/useStoredDraft";
import { useReader } from "../contract-page/queries";
import { Notice } from "../../app/Notice";
import { AbiFields } from "./AbiFields";
import { parseArgs, type AbiParam } from "./abi";
import { deployErrors } from "./deployErrors";
import { FieldErrors } from "./FieldErrors";
import { readModule, type ModuleCode } from "./moduleFile";
import { useDeployAndOpen } from "./useDeployAndOpen";
import type { Schemas } from "@cms/sdk";

type Manifest = Schemas["WasmManifest"];

function parseManifest(text: string): { manifest?: Manifest; error?: string } {
  if (!text.trim()) return { error: "Add the manifest: the functions the module exports, with their parameters." };
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { error: "The manifest is a JSON object." };
    return { manifest: value as Manifest };
  } catch (error) {
    return { error: `The manifest is not JSON: ${(error as Error).message}` };
  }
}

const EMPTY = { name: "", manifestText: "", initTexts: {} as Record<string, string> };

/** A WebAssembly contract: its module (.wasm or .wat), its manifest, the init arguments the
 * manifest declares; the engine's refusals listed against the manifest's fields. The name,
 * manifest and init arguments are kept as a draft (the module file cannot be). */
export function WasmDeployForm() {
  const draft = useStoredDraft(draftKey(useReader(), "engine.deploy-wasm"), EMPTY);
  const { name, manifestText, initTexts } = draft.value;
  const update = (change: Partial<typeof EMPTY>) => { draft.update({ ...draft.value, ...change }); };
  const [module, setModule] = useState<ModuleCode | null>(null);
  const [moduleError, setModuleError] = useState<string>();
  const [initErrors, setInitErrors] = useState<Record<string, string>>({});
  const deploy = useDeployAndOpen(draft.clear);
  const parsed = parseManifest(manifestText);
  const initParams: AbiParam[] = parsed.manifest?.init?.params ?? [];
  const server = deploy.error ? deployErrors(deploy.error, ["/manifest", "/init_args"]) : {};
  const [showManifestError, setShowManifestError] = useState(false);

  const onModule = async (file: File | null) => {
    setModuleError(undefined);
    setModule(null);
    if (!file) return;
    const read = await readModule(file);
    if ("error" in read) setModuleError(read.error); else setModule(read);
  };
  const onManifestFile = async (file: File | null) => { if (file) update({ manifestText: await file.text() }); };

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setShowManifestError(true);
    if (!module) setModuleError("Choose the module: a .wasm binary or .wat text.");
    const init = parseArgs(initParams, initTexts);
    setInitErrors(init.ok ? {} : init.errors);
    if (!module || !parsed.manifest || !init.ok) return;
    deploy.submit({ kind: "wasm", name: name.trim() || undefined, code: module.code, code_encoding: module.encoding,
      manifest: parsed.manifest, init_args: initParams.length > 0 ? init.args : undefined });
  };

  return (
    <form onSubmit={(event) => { onSubmit(event); }} noValidate aria-label="Deploy a WebAssembly contract">
      <Stack gap="sm">
        {draft.restored && !module ? (
          <Notice color="blue" title="Unsaved work restored">
            The name, manifest and init arguments you typed earlier are back. Choose the module file again: files are not kept.
          </Notice>
        ) : null}
        <TextInput label="Contract name" value={name} onChange={(event) => { update({ name: event.currentTarget.value }); }}
          description="Optional." />
        <FileInput label="Module" accept=".wasm,.wat,application/wasm,text/plain" clearable value={null}
          placeholder={module ? module.fileName : "Choose a .wasm or .wat file"} error={moduleError ?? server[""]?.code}
          onChange={(file) => { void onModule(file); }} />
        <FileInput label="Load the manifest from a file" accept=".json,application/json" value={null} placeholder="Choose a .json file"
          onChange={(file) => { void onManifestFile(file); }} />
        <Textarea label="Manifest (JSON)" autosize minRows={4} maxRows={14} value={manifestText} spellCheck={false}
          styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
          error={showManifestError ? parsed.error : undefined}
          onChange={(event) => { update({ manifestText: event.currentTarget.value }); }} />
        <FieldErrors label="The manifest was refused" errors={server["/manifest"]} />
        {initParams.length > 0 ? (
          <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
            <legend>Init arguments</legend>
            <AbiFields params={initParams} texts={initTexts} errors={{ ...initErrors, ...server["/init_args"] }}
              onChange={(param, text) => { update({ initTexts: { ...initTexts, [param]: text } }); }} />
          </fieldset>
        ) : null}
        <FieldErrors label="The deployment was refused" errors={Object.fromEntries(
          Object.entries(server[""] ?? {}).filter(([path]) => path !== "code"))} />
        <Group><Button type="submit" loading={deploy.isPending}>Deploy the module</Button></Group>
      </Stack>
    </form>
  );
}
