#ifndef TESTS_PROTOCOL_HEADERS_C99_H
#define TESTS_PROTOCOL_HEADERS_C99_H

/* Each returns the number of problems it printed. */
int check_client_header(void);
int check_server_header(void);

#endif
