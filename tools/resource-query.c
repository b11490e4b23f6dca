/* resource-query: placeholder until the tool lands. */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "resource-query: not built yet\n");
    return 1;
}
