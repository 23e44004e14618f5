// The network laboratory: the dashboard's collapsible panes, the replay over time, the activity
// against the usual and the what-if knobs, all fed by each prediction the page shows.

import { ActivityView } from "./activity.js";
import { bindDashboard } from "./dashboard.js";
import { Replay } from "./replay.js";
import { WhatIf } from "./whatif.js";

export function startLab(main) {
  const replay = new Replay();
  const activity = new ActivityView();
  const whatif = new WhatIf({ onReplay: (prediction) => replay.load(prediction, "The what-if answer") });
  const redraw = () => {
    replay.redraw();
    activity.draw();
  };
  bindDashboard(main, { onExpand: redraw });
  return {
    /** A new prediction is on screen (`image`: the Blob it was made from). */
    show(prediction, image) {
      replay.load(prediction);
      activity.show(prediction);
      whatif.show(prediction, image);
    },
    redraw,
  };
}
