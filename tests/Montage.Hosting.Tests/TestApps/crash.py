# Crashes shortly after starting, so the tests can watch Exited -> Restarting -> Running.
import sys
import time

print("about to crash", flush=True)
time.sleep(0.3)
sys.exit(3)
