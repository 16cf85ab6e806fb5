"""Decide: the evidence of one project gathered once, the rubric's verdict, the legal register, the
team's sign-offs, lineage from output to input, and the decision with its blockers and conditions."""
