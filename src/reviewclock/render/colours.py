"""The colour of each state, in the terminal's style names (rich's). The status table
and the HTML digest both colour a state by it, so the two always match."""

from __future__ import annotations

from reviewclock.states import State

STATE_STYLE: dict[State, str] = {
    State.OVERDUE: "bold red",
    State.DELAYED_PROCEEDINGS: "bold magenta",
    State.DUE_SOON: "bold dark_orange",
    State.ON_TRACK: "green",
    State.MET: "dim green",
    State.MET_EXTENDED: "cyan",
    State.MET_LATE: "yellow",
}
