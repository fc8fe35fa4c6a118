"""The console (`midway chat`): lines typed in a terminal → `Inbound`, replies printed, and the
same `ConsoleChannel` is the sender of what falls due for the person at the terminal (`adapter`).
It is not in `bot.bootstrap.CHANNELS`: it runs on its own, with a scheduler of its own."""
