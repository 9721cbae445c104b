import Link from "next/link";

export default function Home() {
  return (
    <main>
      <h1>Home</h1>
      <Link href="/bench/items/1">Bench</Link>
    </main>
  );
}
