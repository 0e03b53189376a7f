from guidance.cli import main

raise SystemExit(main())
