export async function getServerSideProps() {
  return { props: { message: "hello" } };
}

export default function Hello({ message }) {
  return <p>{message}</p>;
}
