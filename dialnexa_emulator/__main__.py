from dialnexa_emulator.server.cli import main

raise SystemExit(main())
