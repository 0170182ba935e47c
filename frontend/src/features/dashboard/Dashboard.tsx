"use client";
import { useCallback, useEffect, useMemo, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  useReactTable,
  type SortingState,
} from "@tanstack/react-table";
import { api, query } from "@/lib/api/client";
import { roleRank, type Page, type WorkflowDetail, type WorkflowSummary } from "@/lib/api/types";
import { useSession } from "@/features/auth/session";
import { loadTaskTypes } from "@/features/catalog/useTaskTypes";
import { exampleDocument } from "@/features/catalog/examples";
import { emptyDocument } from "@/features/editor/document/operations";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { Dialog } from "@/features/shared/Dialog";
import { countOf, formatDateTime } from "@/features/shared/format";
import { deploymentText, listParams, nextRunText, PAGE_SIZE, STATE_FILTERS, type StateFilter } from "./listQuery";

const col = createColumnHelper<WorkflowSummary>();

export function Dashboard() {
  const router = useRouter();
  const user = useSession((s) => s.user);
  const [search, setSearch] = useState("");
  const [tag, setTag] = useState("");
  const [ownerFilter, setOwnerFilter] = useState<"all" | "mine" | "shared">("all");
  const [stateFilter, setStateFilter] = useState<StateFilter>("");
  const [sorting, setSorting] = useState<SortingState>([{ id: "updatedAt", desc: true }]);
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page<WorkflowSummary> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<WorkflowSummary | null>(null);
  const [deleteResults, setDeleteResults] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const q = query(listParams({ search, tag, owner: ownerFilter, state: stateFilter, sorting, page }, user?.id));
      setData(await api.get<Page<WorkflowSummary>>(`/workflows${q}`));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [search, tag, ownerFilter, stateFilter, sorting, page, user?.id]);

  useEffect(() => {
    const t = setTimeout(load, 200);
    return () => clearTimeout(t);
  }, [load]);

  const rows = useMemo(() => data?.items ?? [], [data]);

  async function create(fromExample: boolean) {
    setBusy(true);
    try {
      const doc = fromExample ? exampleDocument(await loadTaskTypes()) : emptyDocument();
      if (!doc) throw new Error("The task catalog has no example to offer yet.");
      const created = await api.post<WorkflowDetail>("/workflows", doc);
      router.push(`/workflows/${created.id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  const act = useCallback(
    async (label: string, fn: () => Promise<string | void>) => {
      setMessage(null);
      try {
        const m = await fn();
        if (m) setMessage(m);
        await load();
      } catch (e) {
        setError(e);
        setMessage(`${label} failed.`);
      }
    },
    [load],
  );

  const columns = useMemo(
    () => [
      col.accessor("name", {
        header: "Name",
        cell: (c) => (
          <div>
            <Link href={`/workflows/${c.row.original.id}`}>{c.getValue()}</Link>
            <div className="hint">{c.row.original.description}</div>
          </div>
        ),
      }),
      col.accessor("tags", { header: "Tags", enableSorting: false, cell: (c) => c.getValue().map((t) => <span key={t} className="tag">{t}</span>) }),
      col.accessor("ownerName", { header: "Owner", enableSorting: false, cell: (c) => (c.row.original.ownerId === user?.id ? "You" : c.getValue()) }),
      col.accessor("deploymentState", {
        header: "Deployed",
        enableSorting: false,
        cell: (c) => (c.getValue() ? <span className={`badge ${c.getValue()}`}>{deploymentText(c.getValue())}</span> : <span className="muted">{deploymentText(null)}</span>),
      }),
      col.accessor("lastRun", {
        header: "Last run",
        enableSorting: false,
        cell: (c) => {
          const r = c.getValue();
          return r ? (
            <span>
              <span className={`badge ${r.state}`}>{r.state}</span> <span className="hint">{formatDateTime(r.startedAt)}</span>
            </span>
          ) : (
            <span className="muted">never</span>
          );
        },
      }),
      col.accessor("nextRunAt", {
        header: "Next run",
        enableSorting: false,
        cell: (c) => {
          const next = nextRunText(c.row.original);
          return <span className={next.muted ? "muted" : undefined} title={next.title}>{next.text}</span>;
        },
      }),
      col.accessor("updatedAt", { header: "Updated", cell: (c) => formatDateTime(c.getValue()) }),
      col.display({
        id: "actions",
        header: "Actions",
        cell: (c) => {
          const w = c.row.original;
          const rank = roleRank[w.role] ?? 0;
          return (
            <div className="row">
              <button type="button" className="small" onClick={() => router.push(`/workflows/${w.id}`)} aria-label={`Open ${w.name}`}>Open</button>
              {rank >= roleRank.execute && (
                <button
                  type="button"
                  className="small"
                  aria-label={`Run ${w.name}`}
                  onClick={() => act("Run", async () => {
                    await api.post(`/workflows/${w.id}/runs`, { params: {} });
                    return `Started a run of “${w.name}”. Open it to watch.`;
                  })}
                >
                  Run
                </button>
              )}
              <button
                type="button"
                className="small"
                aria-label={`Duplicate ${w.name}`}
                onClick={() => act("Duplicate", async () => {
                  const copy = await api.post<WorkflowDetail>(`/workflows/${w.id}/duplicate`);
                  return `Created “${copy.document.metadata.name}”.`;
                })}
              >
                Duplicate
              </button>
              {rank >= roleRank.owner && (
                <button type="button" className="small danger" aria-label={`Delete ${w.name}`} onClick={() => setConfirmDelete(w)}>Delete</button>
              )}
            </div>
          );
        },
      }),
    ],
    [act, router, user?.id],
  );

  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting },
    onSortingChange: (s) => {
      setSorting(s);
      setPage(1);
    },
    manualSorting: true,
    manualPagination: true,
    getCoreRowModel: getCoreRowModel(),
  });

  const total = data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const noFilters = !search && !tag && ownerFilter === "all" && !stateFilter;

  return (
    <main className="page">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1>Workflows</h1>
        <div className="row">
          <button type="button" onClick={() => create(true)} disabled={busy}>New from example</button>
          <button type="button" className="primary" onClick={() => create(false)} disabled={busy}>New workflow</button>
        </div>
      </div>
      <div className="toolbar" role="search">
        <label>
          Search
          <input value={search} onChange={(e) => { setSearch(e.target.value); setPage(1); }} placeholder="Name or description" />
        </label>
        <label>
          Tag
          <input value={tag} onChange={(e) => { setTag(e.target.value); setPage(1); }} placeholder="e.g. sales" />
        </label>
        <label>
          Owner
          <select value={ownerFilter} onChange={(e) => { setOwnerFilter(e.target.value as typeof ownerFilter); setPage(1); }}>
            <option value="all">Everyone</option>
            <option value="mine">Mine</option>
            <option value="shared">Shared with me</option>
          </select>
        </label>
        <label>
          State
          <select value={stateFilter} onChange={(e) => { setStateFilter(e.target.value as StateFilter); setPage(1); }}>
            {STATE_FILTERS.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}
          </select>
        </label>
      </div>
      {error !== null && <ErrorMessage error={error} doing="load the workflows" />}
      {message && <p className="notice" role="status">{message}</p>}
      {data && data.total === 0 && noFilters ? (
        <section className="empty">
          <h2>Build your first pipeline</h2>
          <p className="muted">
            A workflow is a chain of steps: read data, transform it, and load or export the result.
            Start from an example to see one that works, or begin with a blank canvas and drag steps from the palette.
          </p>
          <div className="row" style={{ justifyContent: "center" }}>
            <button type="button" onClick={() => create(true)} disabled={busy}>Start from an example</button>
            <button type="button" className="primary" onClick={() => create(false)} disabled={busy}>Blank workflow</button>
          </div>
        </section>
      ) : (
        <>
          <table className="grid">
            <thead>
              {table.getHeaderGroups().map((hg) => (
                <tr key={hg.id}>
                  {hg.headers.map((h) => (
                    <th key={h.id} aria-sort={h.column.getIsSorted() === "asc" ? "ascending" : h.column.getIsSorted() === "desc" ? "descending" : undefined}>
                      {h.column.getCanSort() ? (
                        <button type="button" onClick={h.column.getToggleSortingHandler()}>
                          {flexRender(h.column.columnDef.header, h.getContext())} {{ asc: "▲", desc: "▼" }[h.column.getIsSorted() as string] ?? ""}
                        </button>
                      ) : (
                        flexRender(h.column.columnDef.header, h.getContext())
                      )}
                    </th>
                  ))}
                </tr>
              ))}
            </thead>
            <tbody>
              {table.getRowModel().rows.map((r) => (
                <tr key={r.id}>
                  {r.getVisibleCells().map((c) => (
                    <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>
                  ))}
                </tr>
              ))}
              {data && rows.length === 0 && (
                <tr>
                  <td colSpan={columns.length} className="muted">No workflow matches these filters. Clear the search or pick “Any” state.</td>
                </tr>
              )}
            </tbody>
          </table>
          <div className="row" style={{ marginTop: 8 }}>
            <button type="button" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>Previous</button>
            <span>Page {page} of {pages} · {countOf(total, "workflow")}</span>
            <button type="button" disabled={page >= pages} onClick={() => setPage((p) => p + 1)}>Next</button>
          </div>
        </>
      )}
      <Dialog title="Delete workflow?" open={confirmDelete !== null} onClose={() => setConfirmDelete(null)}>
        <p>
          “{confirmDelete?.name}” and its versions will be deleted, and its DAG is removed from Airflow. Run history
          stays in Airflow. This cannot be undone.
        </p>
        <label className="inline">
          <input type="checkbox" checked={deleteResults} onChange={(e) => setDeleteResults(e.target.checked)} />
          Also delete its run results (tables, charts and reports its runs wrote); files exported to the data folder stay
        </label>
        <div className="row">
          <button
            type="button"
            className="danger"
            onClick={() => {
              const w = confirmDelete;
              setConfirmDelete(null);
              if (w) void act("Delete", async () => { await api.delete(`/workflows/${w.id}${deleteResults ? "?deleteResults=true" : ""}`); return `Deleted “${w.name}”${deleteResults ? " and its run results" : ""}.`; });
            }}
          >
            Delete
          </button>
          <button type="button" onClick={() => setConfirmDelete(null)}>Keep it</button>
        </div>
      </Dialog>
    </main>
  );
}
