"use client";
import { useEditor } from "@/features/document/store";
import { rebase } from "@/features/document/operations";
import { formatDateTime } from "@/features/shared/format";
import { clearDraft } from "../save";
import type { DraftOffer } from "./useWorkflowLoad";

/** Offers the unsaved changes of an earlier visit: restored on top of what is open now, or discarded. */
export function DraftOfferBox({ workflowId, offer, liveMode, say, dismiss }: { workflowId: string; offer: DraftOffer; liveMode: boolean; say: (notice: string) => void; dismiss: () => void }) {
  const restore = () => {
    const st = useEditor.getState();
    if (liveMode) {
      // Live: each restored change is a new operation sent like any other.
      const refused = offer.unsaved.filter((op) => !useEditor.getState().apply(op)).length;
      if (refused) say(`${refused} earlier change(s) no longer apply.`);
    } else if (st.doc) {
      const { doc, refused } = rebase(st.doc, offer.unsaved);
      useEditor.setState({ doc, unsaved: offer.unsaved });
      if (refused.length) say(`Some earlier changes no longer apply: ${refused.join(" ")}`);
    }
    dismiss();
  };
  return (
    <div className="warn-box">
      <p>You have unsaved changes from an earlier visit ({formatDateTime(offer.savedAt)}).</p>
      <div className="row">
        <button type="button" className="small primary" onClick={restore}>Restore them</button>
        <button type="button" className="small" onClick={() => { clearDraft(workflowId); dismiss(); }}>Discard</button>
      </div>
    </div>
  );
}
