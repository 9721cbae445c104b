import Link from "next/link";

// The benchmark page: 50 items computed with no I/O.
export async function getServerSideProps({ params }) {
  const id = Number(params.id);
  if (!Number.isSafeInteger(id) || id < 0) {
    return { notFound: true };
  }
  const items = Array.from({ length: 50 }, (_, k) => ({
    name: `item-${id}-${k}`,
    stars: (id * 7919 + k * 104729) % 100000,
    description: `Description of item ${k} in collection ${id}, with some text to make it realistic.`,
  }));
  return { props: { id, title: `Collection ${id}`, items } };
}

export default function Items({ id, title, items }) {
  return (
    <main>
      <h1>{title}</h1>
      <ul className="items">
        {items.map((item) => (
          <li key={item.name}>
            <strong>{item.name}</strong> <span className="stars">{item.stars}</span>{" "}
            <span>{item.description}</span>
          </li>
        ))}
      </ul>
      <p id="bottom">
        <Link href={`/bench/items/${id + 1}`}>Next collection</Link>
      </p>
    </main>
  );
}
