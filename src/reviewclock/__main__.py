from reviewclock.cli import main

main()
