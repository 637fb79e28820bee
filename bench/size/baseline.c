/* The same program without tern: its size is subtracted from size_probe's. */
int main(void) { return 0; }
