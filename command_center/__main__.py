from command_center.cli import main

main()
