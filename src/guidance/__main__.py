from guidance.cli import console

raise SystemExit(console())
