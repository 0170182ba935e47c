// The workflow owner's data folder as the editor knows it: the files CSV steps can read, and uploads into it.
import { create } from "zustand";
import { api } from "@/lib/api/client";
import type { DataFile } from "@/lib/api/types";

interface FilesState {
  workflowId: string | null;
  files: DataFile[];
  /** Uploads in progress, by file name. */
  uploading: string[];
  error: unknown;
  load: (workflowId: string) => Promise<void>;
  upload: (workflowId: string, files: File[]) => Promise<DataFile[]>;
  remove: (workflowId: string, path: string) => Promise<void>;
}

const filesUrl = (workflowId: string) => `/workflows/${workflowId}/files`;
/** A data-folder path as a URL path: each part escaped, the slashes kept. */
export const encodePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

export const useFiles = create<FilesState>()((set, get) => ({
  workflowId: null,
  files: [],
  uploading: [],
  error: null,
  load: async (workflowId) => {
    try {
      const list = await api.get<{ items: DataFile[] }>(filesUrl(workflowId));
      set({ workflowId, files: list.items, error: null });
    } catch (e) {
      set({ workflowId, error: e });
    }
  },
  upload: async (workflowId, files) => {
    const done: DataFile[] = [];
    set({ uploading: files.map((f) => f.name), error: null });
    try {
      for (const file of files) {
        const form = new FormData();
        form.append("file", file, file.name);
        // A file of the same name is replaced: dropping a newer export is how analysts update their data.
        done.push(await api.upload<DataFile>(`${filesUrl(workflowId)}?overwrite=true`, form));
      }
    } catch (e) {
      set({ error: e });
    } finally {
      set({ uploading: [] });
      await get().load(workflowId);
    }
    return done;
  },
  remove: async (workflowId, path) => {
    try {
      await api.delete(`${filesUrl(workflowId)}/${encodePath(path)}`);
    } catch (e) {
      set({ error: e });
    }
    await get().load(workflowId);
  },
}));

/** Files dragged from the desktop (not a step dragged from the palette). */
export const carriesFiles = (types: readonly string[]) => types.includes("Files");
