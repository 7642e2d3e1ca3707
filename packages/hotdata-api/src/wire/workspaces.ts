import { z } from 'zod';

export const WorkspaceSchema = z.looseObject({
  public_id: z.string(),
  name: z.string(),
  active: z.boolean().optional(),
  favorite: z.boolean().optional(),
  provision_status: z.string().nullish(),
});
export type Workspace = z.infer<typeof WorkspaceSchema>;

export const ListWorkspacesResponseSchema = z.looseObject({
  ok: z.boolean().optional(),
  workspaces: z.array(WorkspaceSchema),
});
export type ListWorkspacesResponse = z.infer<typeof ListWorkspacesResponseSchema>;
