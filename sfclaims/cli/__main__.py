from sfclaims.cli import main

main()
