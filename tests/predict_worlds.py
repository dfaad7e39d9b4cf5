"""Simulated worlds as Datasets for the prediction tests (no CSV round trip, so they build in a second)."""

import numpy as np
import pandas as pd

from netanalysis.dataset import Dataset
from netanalysis.simulate.world import simulate_world


def world_dataset(w) -> Dataset:
    """The simulated world as a Dataset, keeping the simulator's contact ids (to join its true hazard)."""
    c, i, o = w.contacts, w.interactions, w.outcomes
    contacts = pd.DataFrame({"contact_id": c["contact_id"], "name": c["name"], "emails": [[e] for e in c["email"]],
                             "company": c["company"], "title": c["title"], "linkedin_url": c["linkedin_url"],
                             "sources": [["simulated"]] * len(c), "first_seen": pd.NaT})
    inter = i.assign(interaction_id=[f"i{k}" for k in range(len(i))], source="simulated", source_row=np.arange(len(i)))
    outc = o.assign(outcome_id=[f"o{k}" for k in range(len(o))], source="simulated", source_row=np.arange(len(o)))
    return Dataset.from_frames(contacts, inter, outc, check=False)


def simulated_dataset(contacts: int = 400, months: int = 36, seed: int = 7) -> Dataset:
    return world_dataset(simulate_world(contacts=contacts, months=months, seed=seed))
