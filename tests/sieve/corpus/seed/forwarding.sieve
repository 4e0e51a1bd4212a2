#--------

# This is a sample script to illustrate how Sieve could be used

# to let users handle their own mail forwarding needs.

# Read the comments following the pound/hash to find out what the

# script is doing.

#---------

#

# No need to add any extension. 'redirect' is built-in.

# Redirect all my incoming mail to the listed address

redirect "my-other-address@example.com";

# But keep a copy of it on the IMAP server

    keep;

# End of script
