# http.sh: a static HTTP server on loopback for the end-to-end tests,
# sourced (needs free_port).  http_serve DIR [LOG] serves DIR on a free
# port (tried again when the port was taken meanwhile) and sets
# http_port and http_pid; the caller kills http_pid.
http_serve() {
	for _try in 1 2 3 4 5; do
		_port=$(free_port)
		python3 -m http.server --bind 127.0.0.1 --directory "$1" "$_port" \
			>"${2:-/dev/null}" 2>&1 &
		http_pid=$!
		for _i in $(seq 50); do
			if python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$_port)))" 2>/dev/null; then
				http_port=$_port
				return 0
			fi
			kill -0 "$http_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$http_pid" 2>/dev/null
		http_pid=
	done
	return 1
}
