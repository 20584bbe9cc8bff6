/** The tests run the program through the same recording engine as `npm run render`. */
export * from "../scripts/recorder";
