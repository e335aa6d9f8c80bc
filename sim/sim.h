/* sim.h: tether-sim, a simulated board for tests and demos.
 *
 * One process is the whole board: UART0 is its stdin/stdout, further
 * UARTs are telnet ports on loopback, a UNIX socket is its power switch.
 * Everything runs from one ppoll loop (main.c); the boot flow is a state
 * machine driven by timers and by how much room the consoles have. */
#ifndef TETHER_SIM_H
#define TETHER_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "telnet.h"
#include "util.h"

#define SIM_UARTS 4
/* Output pending on a link above which the board stops producing for
 * it: back-pressure instead of unbounded buffers. */
#define SIM_OUT_HIGH (64 * 1024)
#define SIM_EXIT_DROP 3

struct sim_opts {
	const char *hostname;
	const char *user;
	const char *password; /* NULL: no Password: prompt */
	const char *prompt;
	const char *shell;
	const char *chroot;
	const char *home; /* the shell's HOME and first directory (/root) */
	int autoboot_seconds;
	bool no_bootloader;
	bool start_off;
	int line_delay_ms;
	unsigned long long flood_bytes;
	double flood_rate; /* bytes a second, 0 = as fast as read */
	int kmsg_interval_ms;
	unsigned long long drop_after_bytes;
	double drop_after_seconds;
	unsigned long long stall_after_bytes;
	int uart_port[SIM_UARTS]; /* -1: no such UART; [0] unused */
	const char *ports_file;
	const char *power_socket;
	bool seeded;
	uint64_t seed;
};

/* What a link's getty is doing once the board is up. */
enum getty_state { GETTY_SILENT, GETTY_USER, GETTY_PASSWORD, GETTY_SHELL };

/* The board's line editor, for the bootloader and login prompts. */
struct line {
	char s[512];
	size_t len;
	bool after_cr; /* swallow the LF of a CR LF */
};

struct shell {
	pid_t pid;     /* the keeper process, 0 when none */
	int fd;        /* pty master, -1 when none */
	struct buf in; /* typed bytes the pty has no room for yet */
};

struct link {
	int index; /* the UART number */
	int fd_in; /* -1 when nobody is connected */
	int fd_out;
	int listen_fd; /* UART1..: the TCP listener; -1 for UART0 */
	int port;
	bool telnet;
	struct telnet tn;
	bool telnet_cr; /* last data byte was CR: fold a following LF */
	struct buf out; /* bytes waiting for the reader */
	size_t out_off;
	unsigned long long written; /* data bytes, for drop and stall */
	bool stalled;
	bool closing; /* close once out is flushed */
	enum getty_state getty;
	struct line line;
	bool user_ok;
	struct shell sh;
};

enum board_state {
	BOARD_OFF,
	BOARD_COUNTDOWN, /* "Hit any key to stop autoboot" */
	BOARD_UBOOT,     /* at the => prompt */
	BOARD_KERNEL,    /* printing the kernel log */
	BOARD_FLOOD,     /* kernel-like lines before login */
	BOARD_UP,        /* userspace: gettys on every UART */
};

#define UBOOT_ENV_MAX 64

struct board {
	enum board_state state;
	double t_on;     /* monotonic time of power on */
	double t_kernel; /* of "Starting kernel" */
	double next;     /* next timer of the boot flow; 0 = none */
	int countdown;
	size_t kline;
	unsigned long long flood_sent;
	double flood_start;
	double next_kmsg;
	double ts; /* synthetic kernel clock under --seed */
	uint64_t rng;
	char *env_name[UBOOT_ENV_MAX];
	char *env_value[UBOOT_ENV_MAX];
	int nenv;
};

struct sim {
	struct sim_opts o;
	struct board b;
	struct link link[SIM_UARTS];
	int power_fd;
	pid_t self;
	double t_start;
	volatile int quit; /* set from signal handlers */
};

/* main.c */
double sim_now(void);
void sim_exit(struct sim *s, int status) __attribute__((noreturn));

/* uart.c */
void uart_init(struct sim *s);
void uart_write(struct sim *s, struct link *l, const void *p, size_t n);
void uart_puts(struct sim *s, struct link *l, const char *str);
void uart_printf(struct sim *s, struct link *l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool uart_has_room(const struct link *l);
bool uart_connected(const struct link *l);
void uart_flush(struct sim *s, struct link *l);
void uart_read(struct sim *s, struct link *l);
void uart_accept(struct sim *s, struct link *l);
void uart_close(struct sim *s, struct link *l);
/* Feeds one byte to L's line editor, echoing when ECHO; true when a line
 * is complete in l->line.s.  Ctrl-C sets *INTR. */
bool line_feed(struct sim *s, struct link *l, unsigned char c, bool echo,
               bool *intr);

/* boot.c */
void board_power_on(struct sim *s);
void board_power_off(struct sim *s);
void board_reset(struct sim *s);
void board_tick(struct sim *s, double now);
void board_start_kernel(struct sim *s);
void board_input(struct sim *s, struct link *l, const unsigned char *p,
                 size_t n);

/* uboot.c */
void uboot_env_reset(struct sim *s);
void uboot_env_free(struct sim *s);
void uboot_prompt(struct sim *s);
void uboot_command(struct sim *s, char *cmd);

/* klog.c */
uint64_t klog_rand(struct sim *s);
void klog_stamp(struct sim *s, char *out, size_t size);
size_t klog_boot_lines(void);
void klog_boot_line(struct sim *s, size_t i, struct buf *out);
void klog_flood_line(struct sim *s, struct buf *out);
void klog_kmsg_line(struct sim *s, struct buf *out);

/* login.c */
void login_start(struct sim *s, struct link *l, bool banner);
void login_input(struct sim *s, struct link *l, const unsigned char *p,
                 size_t n);

/* shell.c */
int shell_start(struct sim *s, struct link *l);
void shell_stop(struct shell *sh);
void shell_read(struct sim *s, struct link *l);
void shell_send(struct link *l, const void *p, size_t n);
void shell_flush(struct link *l);
void shell_reaped(struct sim *s, pid_t pid);

/* power.c */
int power_listen(struct sim *s);
void power_accept(struct sim *s);
int power_client(int argc, char **argv);

#endif
