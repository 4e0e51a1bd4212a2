#--------

# This is a sample script to show discarding and filing.

# Read the comments following the pound/hash to find out

# what the script is doing

#---------

#

# Make sure filing and rejection are enabled

require "fileinto";

#

# If it's from my mom...

if header ["From"] :contains ["Mom"]{

# send it to my home email account

redirect "home-address@example.com";

}

#

# If the subject line has a certain keyword...

else if header "Subject" :contains "daffodil" {

# forward it to the postmaster

forward "postmaster@server.edu";

}

#

# If the junk mail filter has marked this as junk...

else if header :contains ["X-Spam-Flag"] ["YES"]{

# throw it out

discard;

}

#

# If the junk mail filter thinks this is probably junk

else if header :contains ["X-Spam-Level"] ["***"]{

# put it in my junkmail box for me to check

fileinto "INBOX.JunkMail";

}

#

# for all other cases...

else {

# put it in my inbox

fileinto "INBOX";

}

# End of script
