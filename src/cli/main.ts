export async function main(argv: string[]): Promise<number> {
  console.log('meshgate', argv.join(' '));
  return 0;
}
