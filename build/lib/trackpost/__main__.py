from trackpost.cli.main import main

raise SystemExit(main())
