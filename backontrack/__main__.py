from backontrack.cli import main

main()
