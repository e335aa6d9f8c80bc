/* pty-reader.c (bench/console): the limit of a pty on this machine.
 *
 *   pty-reader FILE
 *
 * forkpty()s `cat FILE` on a raw pty (the same termios and read size as
 * tether's connections) and reads the master to EOF, doing nothing with
 * the bytes.  Prints one line of key=value figures:
 *   bytes wall_s user_s sys_s maxrss_kb
 * CPU is getrusage(RUSAGE_SELF): the reader only, not cat. */
#include <errno.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pty-reader FILE\n");
		return 2;
	}
	struct termios tio = {0};
	cfmakeraw(&tio);
	tio.c_cflag |= CREAD | CLOCAL;
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	struct winsize ws = {.ws_row = 24, .ws_col = 200};

	struct timespec w0, w1;
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	clock_gettime(CLOCK_MONOTONIC, &w0);

	int fd;
	pid_t pid = forkpty(&fd, NULL, &tio, &ws);
	if (pid < 0) {
		perror("forkpty");
		return 2;
	}
	if (pid == 0) {
		execlp("cat", "cat", argv[1], (char *)NULL);
		_exit(127);
	}
	static char chunk[65536];
	unsigned long long bytes = 0;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n > 0) {
			bytes += (unsigned long long)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break; /* EIO: cat has exited and closed the slave */
	}
	clock_gettime(CLOCK_MONOTONIC, &w1);
	getrusage(RUSAGE_SELF, &r1);
	int status;
	waitpid(pid, &status, 0);
	close(fd);

	printf("bytes=%llu wall_s=%.4f user_s=%.4f sys_s=%.4f maxrss_kb=%ld\n",
	       bytes,
	       (double)(w1.tv_sec - w0.tv_sec) +
		   (double)(w1.tv_nsec - w0.tv_nsec) / 1e9,
	       tv_s(r1.ru_utime) - tv_s(r0.ru_utime),
	       tv_s(r1.ru_stime) - tv_s(r0.ru_stime), r1.ru_maxrss);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
