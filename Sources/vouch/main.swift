import VouchCLI
VouchCommand.main()
