"""Members' own things in the pool: listing an item, its availability windows and the owner's own use,
approving borrowers, the two-party handover, withdrawing an item, and the owner's share of each charge.

Importing the package connects the receiver that credits owners when a charge is posted
(`fleet.owners.reimbursement`); `create_app` imports it, like allocation.
"""
from fleet.owners import reimbursement  # noqa: F401  (connects the charge_posted receiver)
