import type { Schemas } from "@cms/sdk";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useCms } from "../api/cms";

export type TemplateVersion = Schemas["TemplateVersion"];

export function useTemplateVersions(templateId: string) {
  const cms = useCms();
  return useQuery({
    queryKey: ["templates", templateId, "versions"],
    enabled: templateId !== "",
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const { data } = await cms.GET("/api/v1/templates/{template_id}/versions",
        { params: { path: { template_id: templateId } }, signal });
      return data?.items ?? [];
    },
  });
}

/** One version of a template (null: the latest): its variables' schema, rules and example. */
export function useTemplateVersion(templateId: string, version: number | null) {
  const cms = useCms();
  return useQuery({
    queryKey: ["templates", templateId, "version", version],
    enabled: templateId !== "",
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const query = version === null ? {} : { version };
      const { data } = await cms.GET("/api/v1/templates/{template_id}", {
        params: { path: { template_id: templateId }, query }, signal });
      if (!data) throw new Error("The template did not arrive.");
      // openapi-fetch widens the rule's of_sum pair ([pointer, field]) to an array on the way
      // through its response types; the API's schema says a pair.
      return data as TemplateVersion;
    },
  });
}

/** The rendered document for these variables. Each change of variables is a new query: the
 * one it replaces loses its observer and TanStack Query aborts its request (the signal). */
export function useRenderedPreview(templateId: string, version: number | null, variables: unknown, enabled: boolean) {
  const cms = useCms();
  return useQuery({
    queryKey: ["templates", templateId, "render", version, variables],
    enabled: enabled && templateId !== "",
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: Infinity,
    queryFn: async ({ signal }) => {
      const { data } = await cms.POST("/api/v1/templates/{template_id}/render", {
        params: { path: { template_id: templateId } },
        body: { variables: variables as Schemas["TemplatePreviewRequest"]["variables"], version }, signal });
      if (!data) throw new Error("The preview did not arrive.");
      return data;
    },
  });
}
