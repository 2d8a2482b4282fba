"""Post drafts: list, view, editor (base text, per-platform variants, targets, times), delete."""
