// The error texts Istio's bookinfo apps show (kept out of the Worker entry modules: workerd
// treats every named export of an entry module as an entrypoint).
export const DETAILS_UNAVAILABLE = 'Sorry, product details are currently unavailable for this book.';
export const REVIEWS_UNAVAILABLE = 'Sorry, product reviews are currently unavailable for this book.';
export const RATINGS_UNAVAILABLE_PAGE = 'Sorry, product ratings are currently unavailable for this book.';
/** Shown per review by reviews v2/v3 when ratings did not answer. */
export const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';
