/* jobspec-validate: placeholder until the tool lands. */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "jobspec-validate: not built yet\n");
    return 1;
}
