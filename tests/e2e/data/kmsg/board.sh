#!/bin/sh
# board.sh CAPTURE HOST [quiet]: a board that boots through a console
# capture of LAVA's corpus (kernel warnings, oopses, panics), then asks
# for a login and gives a real shell with HOST's prompt; with "quiet", it
# says nothing more after the capture (a message whose end never comes).
# The captures' lines end in "\n" alone; a serial console (and the pty
# LAVA's own tests read them through) ends them in "\r\n", which the end
# patterns of LAVA's kernel messages need: tether's connection pty is
# raw, so the board adds the "\r".
printf 'Linux version 6.1.0-tether (a replayed console)\r\n'
sed 's/$/\r/' "$1"
if [ "$3" = quiet ]; then
	while :; do sleep 1; done
fi
printf '\r\n%s login: ' "$2"
read -r _user
PS1="root@$2:~# " exec /bin/sh -i
