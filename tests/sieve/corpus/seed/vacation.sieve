#--------

# This is a sample script for vacation rules.

# Read the comments following the pound/hash to find out

# what the script is doing.

#---------

#

# Make sure the vacation extension is used.

require "vacation";

# Define the script as a vacation script

vacation

# Send the vacation response to any given sender only once every seven days no matter how many messages are sent from him.

:days 7

#For every message sent to these addresses

:addresses ["bob@example.com", "robert.fakeuser@server.com"]

# Make a message with the following subject

:subject "Out of Office Reply"

# And make the body of the message the following

"I’m out of the office and will return on December 31. I won’t be able to 

replay until 6 months after that. Love, Bob.";

# End of Script
