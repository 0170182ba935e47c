"use client";
import type { ListFilters } from "./listQuery";
import { STATE_FILTERS, type StateFilter } from "./listQuery";
import type { FilterField } from "./useWorkflowList";

export function WorkflowFilters({ filters, setFilter }: { filters: ListFilters; setFilter: <K extends FilterField>(field: K, value: ListFilters[K]) => void }) {
  return (
    <div className="toolbar" role="search">
      <label>
        Search
        <input value={filters.search} onChange={(e) => setFilter("search", e.target.value)} placeholder="Name or description" />
      </label>
      <label>
        Tag
        <input value={filters.tag} onChange={(e) => setFilter("tag", e.target.value)} placeholder="e.g. sales" />
      </label>
      <label>
        Owner
        <select value={filters.owner} onChange={(e) => setFilter("owner", e.target.value as ListFilters["owner"])}>
          <option value="all">Everyone</option>
          <option value="mine">Mine</option>
          <option value="shared">Shared with me</option>
        </select>
      </label>
      <label>
        State
        <select value={filters.state} onChange={(e) => setFilter("state", e.target.value as StateFilter)}>
          {STATE_FILTERS.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}
        </select>
      </label>
    </div>
  );
}
